from quantlab_trainer.cli import main

raise SystemExit(main())
