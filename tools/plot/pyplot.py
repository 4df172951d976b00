"""matplotlib's pyplot with the Agg backend, or None after a message saying what to install (the plot
scripts then exit with code 3, which seqforge reads as "plots skipped")."""
import sys


def load(script):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"{script}: matplotlib is missing (Debian: sudo apt-get install python3-matplotlib)", file=sys.stderr)
        return None
    return plt
