"""A small fixture of realistic job listings (as a job board would describe them)."""

from __future__ import annotations

LISTINGS = [
    dict(key="django", title="Senior Backend Engineer (Python/Django)", company="Ledgerly", location="London",
         country="gb", remote=True, salary_min=70000, salary_max=85000, contract_type="permanent", contract_time="full_time",
         description="Build and scale our Django REST APIs on PostgreSQL. You will design data models, write Celery "
         "tasks, tune SQL queries and own services end to end. Python, Django, PostgreSQL, Redis, Docker."),
    dict(key="nurse", title="Registered Nurse - Night Shifts", company="St Mary's Hospital", location="London",
         country="gb", remote=False, salary_min=32000, salary_max=38000, contract_type="permanent", contract_time="full_time",
         description="Caring, compassionate registered nurse to join our acute medical ward on night shifts. NMC "
         "registration required. Administer medication, monitor patients, support families."),
    dict(key="react", title="Frontend Developer (React, TypeScript)", company="Pixelpush", location="London",
         country="gb", remote=True, salary_min=55000, salary_max=65000, contract_type="permanent", contract_time="full_time",
         description="Create beautiful, accessible user interfaces with React, TypeScript and CSS-in-JS. Work closely "
         "with designers on component libraries and design systems."),
    dict(key="data", title="Data Engineer", company="Streamwise", location="Leeds", country="gb", remote=False,
         salary_min=60000, salary_max=70000, contract_type="contract", contract_time="full_time",
         description="Own our batch and streaming pipelines: Airflow, Spark, Kafka and PostgreSQL. Python required."),
    dict(key="chef", title="Head Chef", company="The Olive Tree", location="Bristol", country="gb", remote=False,
         salary_min=40000, salary_max=45000, contract_type="permanent", contract_time="full_time",
         description="Lead a busy kitchen brigade, design seasonal menus and manage food costs."),
    dict(key="parttime", title="Python Developer (part time)", company="Tinyco", location="Remote", country="gb",
         remote=True, salary_min=30000, salary_max=30000, contract_type="permanent", contract_time="part_time",
         description="Maintain a Django app for a small charity, 20 hours a week."),
    dict(key="predicted", title="Backend Developer (Django)", company="Guessworks", location="London", country="gb",
         remote=True, salary_min=45000, salary_max=50000, salary_is_predicted=True, contract_type="permanent",
         contract_time="full_time", description="Django and PostgreSQL backend work for an e-commerce platform."),
    dict(key="excluded", title="Django Engineer", company="Evil Corp", location="London", country="gb", remote=True,
         salary_min=90000, salary_max=100000, contract_type="permanent", contract_time="full_time",
         description="Django, PostgreSQL, microservices."),
    dict(key="avoid", title="Django Developer - Gambling Platform", company="BetFast", location="London", country="gb",
         remote=True, salary_min=80000, salary_max=90000, contract_type="permanent", contract_time="full_time",
         description="Django backend for our online gambling and casino products."),
    dict(key="abroad", title="Django Backend Developer", company="Berlin Labs", location="Berlin", country="de",
         remote=True, salary_min=75000, salary_max=80000, contract_type="permanent", contract_time="full_time",
         description="Django and PostgreSQL at a Berlin start-up."),
]
