from jobraker.cli import main

raise SystemExit(main())
