import sys

from stylespace.cli import main

sys.exit(main())
