"""``python -m training``: rebuild the built-in classifier (see training/train.py)."""

import sys

from training.train import main

sys.exit(main())
