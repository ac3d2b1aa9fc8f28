from crm_batch.sample.cli import main

raise SystemExit(main())
