"""Server-side cost of the app: one Step (train a batch, record, rebuild the figures), and Run mode.

    python bench/app_step.py [--steps 60]
Prints median and 95th percentile of one Step through AppTest (the real script run, Plotly JSON
included) and through the LiveRun + figure builders alone; then Run mode: steps/s and chart
refreshes/s over simulated ticks, against the headless stepper in the same process.
"""
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import setup  # noqa: E402
from bnviz import RunConfig, Stepper  # noqa: E402
from bnviz.debug.live_run import LiveRun  # noqa: E402
from bnviz.figures.distributions import distributions_now, heatmap_over_steps, percentile_bands  # noqa: E402
from bnviz.figures.statistics import gamma_beta, moving_convergence, training_curves  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def all_figures(session, layer="1"):
    h = session.history
    steps, pm = session.population_series(layer, "target_mean")
    _, pv = session.population_series(layer, "target_var")
    figs = [distributions_now(h, layer), heatmap_over_steps(h, layer), percentile_bands(h, layer),
            moving_convergence(h, layer, 0, steps, pm, pv), gamma_beta(h, layer, [0]),
            training_curves(session.log, session.epoch_table())]
    return sum(len(f.to_json()) for f in figs)


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    args, data = setup(__doc__, steps=60)

    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "viz_app.py"), default_timeout=120).run()
    for panel in ("Distributions now", "Moving mean"):
        at.radio(key="panel").set_value(panel).run()
        times = []
        for _ in range(args.steps):
            start = time.perf_counter()
            at.button(key="step").click().run()
            times.append(time.perf_counter() - start)
        assert not at.exception
        print(f"AppTest Step click, panel {panel!r:20}: median {1000 * statistics.median(times):6.1f} ms, "
              f"p95 {1000 * pct(times, 0.95):6.1f} ms over {len(times)} steps")

    session = LiveRun(data, RunConfig())
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        session.advance(1)
        all_figures(session)
        times.append(time.perf_counter() - start)
    print(f"LiveRun.step + all six panels' figures as JSON:     median {1000 * statistics.median(times):6.1f} ms, "
          f"p95 {1000 * pct(times, 0.95):6.1f} ms")

    # Run mode: ticks of TRAIN_SECONDS training + drawing the current panel, as viz_app does.
    import viz_app
    session = LiveRun(data, RunConfig())
    session.running = True
    start, ticks, steps = time.perf_counter(), 0, 0
    tick_times = []
    while time.perf_counter() - start < 10:
        t0 = time.perf_counter()
        steps += session.run_for(viz_app.TRAIN_SECONDS)
        distributions_now(session.history, "1").to_json()
        ticks += 1
        tick_times.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    run_speed = steps * 256 / elapsed
    headless = {}
    for label, capture in (("headless stepper, no capture", False), ("headless stepper, capture every step", True)):
        st = Stepper(RunConfig(), data)
        if capture:
            st.start_capture()
        st.run(3)
        t0 = time.perf_counter()
        st.run(100)
        float(st.epoch_metrics()[0])
        headless[label] = 100 * 256 / (time.perf_counter() - t0)
    print(f"Run mode: {run_speed:,.0f} examples/s, {ticks / elapsed:.2f} chart refreshes/s "
          f"(tick p95 {1000 * pct(tick_times, 0.95):.0f} ms)")
    for label, speed in headless.items():
        print(f"  {label}: {speed:,.0f} examples/s -> Run mode is {run_speed / speed:.2f}x of it")


if __name__ == "__main__":
    main()
