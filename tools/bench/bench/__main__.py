"""``python -m bench`` (``make bench``): every benchmark, one after another."""

from bench import app_snapshot, devhost_fanout

if __name__ == "__main__":
    devhost_fanout.main()
    print()
    app_snapshot.main()
