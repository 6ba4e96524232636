"""``python -m bench`` (``make bench``): every benchmark, one after another."""

from bench import (
    app_snapshot,
    app_webhooks,
    devhost_fanout,
    import_cost,
    maps_trim,
    rate_budget,
    read_path,
    storage_outage,
)

if __name__ == "__main__":
    import_cost.main([])
    print()
    devhost_fanout.main()
    print()
    app_snapshot.main()
    print()
    rate_budget.main()
    print()
    read_path.main()
    print()
    app_webhooks.main()
    print()
    maps_trim.main()
    storage_outage.main()
