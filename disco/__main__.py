from disco.cli.main import main

raise SystemExit(main())
