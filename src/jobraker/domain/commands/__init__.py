"""The commands Jobraker accepts, one module per aggregate family, all on one base
(``base.CommandBase``: load → check version → mutate → save → position). ``domain/service.py``
puts them together as the application service."""
