"""Model: how DISCO scores a move (the default DJ scoring first, then the spec's reference), then the network
and its model card (test MAE against baselines)."""

import streamlit as st

from disco.app.errors import user_errors
from disco.app.reports import model_card
from disco.app.session import loaders
from disco.plots import model as plots
from disco.plots import names

INTRO = ("DISCO picks each next song by a score that adds three things: how close the song is to what a network "
         "trained on real playlists expects next (**flow**), how well its key mixes with the song before "
         "(**sweetness**), and how well its tempo does (**smoothness**). Lower loss = a better next song.")
NETWORK = (
    "The network reads the playlist so far, one song at a time (its **mode** and 8 transformed audio features: "
    "acousticness, danceability, energy, instrumentalness, liveness, speechiness, valence, loudness, after a "
    "Yeo-Johnson transform and standard scaling), and predicts the next song's 8 features. It carries its hidden "
    "state forward, so each added song costs one cheap step (a NumPy re-implementation of the trained weights; no "
    "TensorFlow at playlist time). The reference design is two linear SimpleRNN(16) layers and a Dense(8), "
    "trained with MAE on playlist windows of up to 50 songs.")


def scoring_section(title: str, text: str, figures) -> None:
    """A scoring preset: its title and words, then its key and tempo figures side by side, each with its
    caption (``figures``: (figure, key, caption) pairs)."""
    st.subheader(title)
    st.markdown(text)
    for column, (figure, key, caption) in zip(st.columns(2), figures):
        with column:
            st.plotly_chart(figure, key=key)
            st.caption(caption)


def dj_section() -> None:
    scoring_section("How a move is scored: the DJ preset (default)", model_card.dj_scoring(), [
        (plots.camelot_heatmap(), "camelot_heatmap",
         "sweetness x key score: hover a cell for the score of mixing one Camelot code into another; the loss "
         "uses 2 x score - 1 (the key term, -1..1, of the playlist's loss table)."),
        (plots.tempo_score_curves(("dj",), title="DJ tempo score: 1 at the same, double or half tempo"), "tempo_dj",
         "smoothness x tempo score: the DJ kernel falls off within a few percent; the shaded bands are the changes "
         "a DJ can beat-match."),
    ])


def reference_section() -> None:
    scoring_section("The reference preset (the spec's algorithm)", model_card.reference_scoring(), [
        (plots.circle_of_fifths_heatmap(), "circle_heatmap",
         "sweetness x key similarity: circle-of-fifths steps (minor keys at their relative major); 0 or 1 step "
         "scores 1, the tritone -1, a song without a detected key 0."),
        (plots.tempo_score_curves(("reference", "dj"), title="Reference tempo score (dotted) against the DJ kernel"),
         "tempo_reference", "The reference cosine is lenient: a 6% change still scores about 0.9."),
    ])


def card_section(model) -> None:
    card = model.card
    st.subheader("The network")
    st.markdown(NETWORK)
    line = model_card.verdict(card, model.name)
    if line:
        st.info(line)
    test = card.get("test", {})
    mad = test.get("mad")
    cols = st.columns(4)
    cols[0].metric("chosen network", names.network(model.name))
    if "network" in test.get("mae", {}):
        cols[1].metric("test MAE", f"{test['mae']['network']:.4f}")
    if mad:
        cols[2].metric("test MAD", f"{mad:.4f}", help="mean absolute deviation of the test targets")
    if test.get("network_mae_over_mad"):
        cols[3].metric("MAE / MAD", f"{test['network_mae_over_mad']:.3f}", help="below 1 = learns something")
    tables = model_card.card_tables(card)
    left, right = st.columns(2)
    with left:
        st.markdown("**Test MAE: network vs baselines**")
        st.table(tables["mae"].style.hide().format({"test MAE": "{:.4f}", "MAE / MAD": "{:.3f}"}))
        st.caption("Baselines: the average training song, the same song again, the playlist's average so far.")
    with right:
        st.plotly_chart(plots.mae_bars(model_card.card_maes(card), mad=mad, highlight=f"network: {model.name}"),
                        key="mae_bars")
    st.markdown("**Data split (by playlist)**")
    st.table(tables["splits"].style.hide())
    if len(tables["candidates"]):
        st.markdown("**Candidate networks**")
        st.table(tables["candidates"].style.hide().format(precision=4))


def render() -> None:
    st.title("The flow model")
    st.markdown(INTRO)
    with user_errors():
        model = loaders.flow_model()
        dj_section()
        reference_section()
        card_section(model)
        with st.expander("The whole model card (JSON)"):
            st.json({k: v for k, v in model.card.items() if k != "split_playlists"}, expanded=False)


if __name__ == "__main__":  # run as a page by app.py
    render()
