"""`python run.py` is `erp run`: serve the app with the development server."""
import sys

from erp_core.cli import main

if __name__ == "__main__":
    main(["run", *sys.argv[1:]])
