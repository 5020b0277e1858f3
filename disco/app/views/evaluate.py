"""Evaluate: how good DISCO's playlists are, from the saved evaluation JSON (or a quick run here)."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from disco import ui
from disco.commands.evaluate import default_json_path
from disco.evaluation import DEFINITIONS, SLIDER_HELP, load_result

RESULT_KEY = "evaluation_quick_result"
ORDER_COLUMNS = {"camelot_rate": "Camelot-compatible moves", "tempo_rate": "tempo within 6%",
                 "feature_step": "mean feature step", "energy_change": "mean |energy change|",
                 "total_loss": "reference loss / playlist", "loss_per_transition": "reference loss / move",
                 "total_loss_dj": "DJ-preset loss / playlist", "loss_per_transition_dj": "DJ-preset loss / move",
                 "relaxed_rate": "moves relaxing a rule"}
BUILD_COLUMNS = {"sweetness": "sweetness", "smoothness": "smoothness", "camelot_rate": "Camelot-compatible",
                 "tempo_rate": "tempo within 6%", "feature_step": "feature step", "step_ratio": "step x reference",
                 "energy_change": "|energy change|", "peak_share": "peak shape (share of builds)",
                 "relaxed_moves": "relaxed moves", "arc_error": "|energy - arc target|"}
BUILD_ROWS = {"dj": "DJ preset (default)", "reference": "reference (the spec's)",
              "dj_peak": "DJ preset + peak arc", "reference_peak": "reference + peak arc"}


def _bars(frame: pd.DataFrame, columns: list[str], title: str) -> go.Figure:
    fig = go.Figure([go.Bar(name=ORDER_COLUMNS.get(c, c), x=frame.index.tolist(), y=frame[c].tolist())
                     for c in columns])
    fig.update_layout(barmode="group", title=title, height=360, margin=dict(t=50, b=20, l=20, r=20),
                      legend=dict(orientation="h"))
    return fig


def _sensitivity_figure(rows: pd.DataFrame, metric: str) -> go.Figure:
    fig = go.Figure()
    for slider, part in rows.groupby("slider", sort=False):
        fig.add_trace(go.Scatter(x=part["value"], y=part[metric], mode="lines+markers", name=slider))
    fig.update_layout(title=f"{ORDER_COLUMNS.get(metric, metric)} as one slider moves (others at the DJ preset)",
                      xaxis_title="slider value", yaxis_title=metric, height=380,
                      margin=dict(t=50, b=20, l=20, r=20))
    return fig


def _thirds_figure(rows: dict) -> go.Figure:
    fig = go.Figure([go.Bar(name=BUILD_ROWS.get(name, name), x=["first third", "middle third", "last third"],
                            y=r["thirds"]) for name, r in rows.items()])
    fig.update_layout(barmode="group", title="mean energy of each third of the builds (peak arc: middle highest)",
                      yaxis_title="raw energy", height=360, margin=dict(t=50, b=20, l=20, r=20),
                      legend=dict(orientation="h"))
    return fig


def _grid_figure(grid: pd.DataFrame, targets: dict) -> go.Figure:
    fig = go.Figure(go.Scatter(
        x=grid["step_ratio"], y=grid["camelot_rate"], mode="markers+text",
        text=[f"{a:g}/{b:g}" for a, b in zip(grid["sweetness"], grid["smoothness"])], textposition="top center",
        marker=dict(size=10, color=grid["tempo_rate"], colorscale="Viridis", showscale=True,
                    colorbar=dict(title="tempo"))))
    fig.add_hline(y=targets.get("camelot_rate", 0.8), line_dash="dot")
    fig.add_vline(x=targets.get("step_ratio", 1.1), line_dash="dot")
    fig.update_layout(title="sweetness/smoothness on builds: Camelot rate vs step (target: above and left of "
                            "the dotted lines, tempo >= 85%)",
                      xaxis_title="feature step x reference", yaxis_title="Camelot-compatible moves", height=400,
                      margin=dict(t=50, b=20, l=20, r=20))
    return fig


def _quick_run() -> dict:
    from disco.commands.evaluate import load_inputs
    from disco.evaluation import EvalSettings, evaluate

    catalog, arrays, predictor, test_ids, card = load_inputs()
    return evaluate(catalog, arrays, predictor, test_ids, card=card, settings=EvalSettings.for_run(quick=True))


def _builds(b: dict) -> None:
    st.subheader("4. Builds: issue 8's DJ targets")
    info = b["info"]
    st.markdown(f"{info['seeds']} random seed songs from the test playlists, each extended {info['search']}ly to "
                f"{info['length']} songs from a {info['pool']} pool, under DISCO's default **DJ preset** and the "
                f"spec's **reference** scoring; the peak-arc rows add the warm-up -> peak -> cool-down energy "
                f"curve at weight {info['peak_arc_weight']:g}.")
    for c in b["checks"]:
        (st.success if c["passed"] else st.error)(c["line"])
    rows = pd.DataFrame({BUILD_ROWS.get(k, k): v for k, v in b["rows"].items()}).T
    shown = [c for c in BUILD_COLUMNS if c in rows]
    st.dataframe(rows[shown].rename(columns=BUILD_COLUMNS), key="eval_builds")
    left, right = st.columns(2)
    left.plotly_chart(_bars(rows, ["camelot_rate", "tempo_rate", "peak_share"], "share of moves / builds"),
                      key="eval_builds_bars")
    right.plotly_chart(_thirds_figure(b["rows"]), key="eval_builds_thirds")
    grid = pd.DataFrame(b.get("grid") or [])
    if len(grid):
        st.markdown("**Choosing the defaults**: sweetness x smoothness under the DJ preset's scoring.")
        st.plotly_chart(_grid_figure(grid, info.get("targets", {})), key="eval_builds_grid")
        st.dataframe(grid[[c for c in BUILD_COLUMNS if c in grid]].rename(columns=BUILD_COLUMNS), hide_index=True,
                     key="eval_builds_grid_table")
    st.caption(f"**step x reference**: {DEFINITIONS['step_ratio']}. **peak shape**: {DEFINITIONS['peak_share']}.")


def body() -> None:
    st.title("How good are the playlists")
    st.markdown("How DISCO's playlists compare with simple baselines, DJ heuristics and the human order, "
                "on the **test playlists** the network never saw. Computed by `python -m disco evaluate`.")
    path = default_json_path()
    result = st.session_state.get(RESULT_KEY)
    if st.button("Run a quick evaluation (12 test playlists, about 10 s)", key="quick_eval"):
        with st.spinner("evaluating..."):
            result = st.session_state[RESULT_KEY] = _quick_run()
    if result is not None:
        st.info("Showing the quick evaluation run here (a smaller sample: noisier numbers).")
    elif path.is_file():
        result = load_result(path)
        st.caption(f"Saved results: `{path.name}` ({result['settings'].get('test_playlists', '?')} test playlists, "
                   f"seed {result['settings'].get('seed', '?')}, {result.get('runtime_s', 0):.0f} s).")
    else:
        st.warning(f"No saved evaluation at {path}: run `python -m disco evaluate`, or a quick one above.")
        return

    pred = result.get("prediction") or {}
    if "mae" in pred:
        st.subheader("1. Next-song prediction")
        table = pd.DataFrame({"test MAE": pred["mae"], "MAE / MAD": pred.get("mae_over_mad", {})})
        st.dataframe(table, key="eval_pred")
        st.caption("Mean absolute error of the predicted next song's 8 transformed features (from the model "
                   "card); MAE/MAD below 1 = better than knowing nothing about the playlist.")

    st.subheader("2. Next-song retrieval")
    retrieval = pd.DataFrame(result["retrieval"]).T
    left, right = st.columns([2, 3])
    left.dataframe(retrieval.style.format("{:.3f}"), key="eval_retrieval")
    right.plotly_chart(_bars(retrieval, ["hit_at_10", "mrr", "r_precision"], "higher is better"),
                       key="eval_retrieval_bars")
    for k in ("hit_at_10", "mrr", "r_precision"):
        st.caption(f"**{k}**: {DEFINITIONS[k]}")
    st.caption("disco ranks by the DJ preset's loss (DISCO's default), disco_reference by the spec's loss.")

    st.subheader("3. Ordering a playlist's own songs")
    ordering = pd.DataFrame(result["ordering"]).T
    st.dataframe(ordering.rename(columns=ORDER_COLUMNS).style.format("{:.3f}", na_rep="-"), key="eval_ordering")
    left, right = st.columns(2)
    left.plotly_chart(_bars(ordering, ["camelot_rate", "tempo_rate"], "DJ-compatible moves (higher = smoother)"),
                      key="eval_ordering_rates")
    right.plotly_chart(_bars(ordering, ["feature_step", "energy_change", "loss_per_transition"],
                             "step sizes and reference loss per move (lower = smoother)"),
                       key="eval_ordering_steps")
    info = result.get("ordering_info", {})
    st.caption("Every method starts from the human first song. "
               + " ".join(f"**{m}**: {text}." for m, text in (info.get("methods") or {}).items()))
    if info.get("loss"):
        st.caption(info["loss"])

    if result.get("builds"):
        _builds(result["builds"])

    rows = pd.DataFrame(result.get("sensitivity") or [])
    if len(rows):
        st.subheader("5. What each slider does")
        for slider, text in (result.get("slider_help") or SLIDER_HELP).items():
            st.markdown(f"- **{slider}**: {text}")
        why = (result.get("sensitivity_info") or {}).get("choose_defaults")
        if why:
            st.markdown(f"**Why these defaults**: {why}.")
        metric = st.selectbox("measure", [c for c in ORDER_COLUMNS if c in rows and c != "relaxed_rate"],
                              format_func=ORDER_COLUMNS.get, key="eval_metric")
        st.plotly_chart(_sensitivity_figure(rows, metric), key="eval_sensitivity")
        st.dataframe(rows.drop(columns=[c for c in ("relaxed_rate",) if c in rows]), hide_index=True,
                     key="eval_sensitivity_table")


ui.run_page(body)
