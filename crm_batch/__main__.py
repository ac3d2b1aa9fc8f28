from crm_batch.cli import main

raise SystemExit(main())
