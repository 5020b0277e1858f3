"""Model: the model card (test MAE against baselines), what the network is, and the music theory in the loss."""

import streamlit as st

from disco.app import loaders, model_card
from disco.app.errors import user_errors
from disco.plots import model as plots

NETWORK = (
    "The network reads the playlist so far, one song at a time (its **mode** and 8 transformed audio features: "
    "acousticness, danceability, energy, instrumentalness, liveness, speechiness, valence, loudness, after a "
    "Yeo-Johnson transform and standard scaling), and predicts the next song's 8 features. It carries its hidden "
    "state forward, so each added song costs one cheap step (a NumPy re-implementation of the trained weights; no "
    "TensorFlow at playlist time). The reference design is two linear SimpleRNN(16) layers and a Dense(8), "
    "trained with MAE on playlist windows of up to 50 songs.")


def card_section(model) -> None:
    card = model.card
    if card.get("verdict"):
        st.info(card["verdict"])
    test = card.get("test", {})
    mad = test.get("mad")
    cols = st.columns(4)
    cols[0].metric("chosen network", model.name)
    if "network" in test.get("mae", {}):
        cols[1].metric("test MAE", f"{test['mae']['network']:.4f}")
    if mad:
        cols[2].metric("test MAD", f"{mad:.4f}", help="mean absolute deviation of the test targets")
    if test.get("network_mae_over_mad"):
        cols[3].metric("MAE / MAD", f"{test['network_mae_over_mad']:.3f}", help="below 1 = learns something")
    tables = model_card.card_tables(card)
    left, right = st.columns(2)
    with left:
        st.subheader("Test MAE: network vs baselines")
        st.dataframe(tables["mae"], hide_index=True, key="mae_table",
                     column_config={"test MAE": st.column_config.NumberColumn(format="%.4f"),
                                    "MAE / MAD": st.column_config.NumberColumn(format="%.3f")})
        st.caption("Baselines: global_mean (the mean training song), last_song (the next song repeats the "
                   "current one), playlist_mean (the mean of the playlist so far).")
    with right:
        st.plotly_chart(plots.mae_bars(model_card.card_maes(card), mad=mad, highlight=f"network: {model.name}"),
                        key="mae_bars")
    st.subheader("Data split (by playlist)")
    st.dataframe(tables["splits"], hide_index=True, key="split_table")
    if len(tables["candidates"]):
        st.subheader("Candidate networks")
        st.dataframe(tables["candidates"], hide_index=True, key="candidates_table")


def theory_section() -> None:
    st.subheader("Music theory in the loss")
    st.markdown("**DJ preset (default)**: the Camelot key score and the DJ tempo kernel.")
    left, right = st.columns(2)
    with left:
        st.plotly_chart(plots.camelot_heatmap(), key="camelot_heatmap")
    with right:
        st.plotly_chart(plots.tempo_score_curves(), key="tempo_curves")
        st.caption("smoothness x tempo score: the DJ kernel (default) falls off within a few percent; the "
                   "reference cosine is lenient. Both score the same, double or half tempo 1; the shaded bands "
                   "are what a DJ can mix.")
        st.caption("sweetness x key score (DJ): hover a cell for the score of mixing one Camelot code into "
                   "another; the loss uses 2 x score - 1.")
    st.markdown("**Reference preset**: the circle of fifths.")
    left, right = st.columns(2)
    with left:
        st.plotly_chart(plots.circle_of_fifths_heatmap(), key="circle_heatmap")
    with right:
        st.caption("sweetness x key similarity (reference): circle-of-fifths steps (minor keys at their relative "
                   "major); 0 or 1 step scores 1, the tritone -1, a song without a detected key 0.")


def render() -> None:
    st.title("The flow model")
    with user_errors():
        model = loaders.flow_model()
        st.markdown(NETWORK)
        st.markdown(model_card.dj_scoring())
        st.markdown(model_card.reference_scoring())
        card_section(model)
        theory_section()
        with st.expander("The whole model card (JSON)"):
            st.json({k: v for k, v in model.card.items() if k != "split_playlists"}, expanded=False)


if __name__ == "__main__":  # run as a page by app.py
    render()
