from crm_batch.cli import exit_at_once, main

if __name__ == "__main__":
    exit_at_once(main())
