"""Model: the model card (test MAE against baselines), what the network is, and the music-theory terms."""

import streamlit as st

from disco import plots, ui


def body() -> None:
    st.title("The flow model")
    model = ui.load_model()
    card = model.card
    st.markdown(
        "The network reads the playlist so far, one song at a time (its **mode** and 8 transformed audio "
        "features: acousticness, danceability, energy, instrumentalness, liveness, speechiness, valence, "
        "loudness, after a Yeo-Johnson transform and standard scaling), and predicts the next song's 8 "
        "features. It carries its hidden state forward, so each added song costs one cheap step (a NumPy "
        "re-implementation of the trained weights; no TensorFlow at playlist time). The reference design is "
        "two linear SimpleRNN(16) layers and a Dense(8), trained with MAE on playlist windows of up to 50 songs.")
    st.markdown(ui.preset_note())
    if card.get("verdict"):
        st.info(card["verdict"])
    tables = ui.card_tables(card)
    mad = card.get("test", {}).get("mad")
    cols = st.columns(4)
    cols[0].metric("chosen network", model.name)
    if "network" in card.get("test", {}).get("mae", {}):
        cols[1].metric("test MAE", f"{card['test']['mae']['network']:.4f}")
    if mad:
        cols[2].metric("test MAD", f"{mad:.4f}", help="mean absolute deviation of the test targets")
    if card.get("test", {}).get("network_mae_over_mad"):
        cols[3].metric("MAE / MAD", f"{card['test']['network_mae_over_mad']:.3f}", help="below 1 = learns something")
    left, right = st.columns(2)
    with left:
        st.subheader("Test MAE: network vs baselines")
        st.dataframe(tables["mae"], hide_index=True, key="mae_table",
                     column_config={"test MAE": st.column_config.NumberColumn(format="%.4f"),
                                    "MAE / MAD": st.column_config.NumberColumn(format="%.3f")})
        st.caption("Baselines: global_mean (the mean training song), last_song (the next song repeats the "
                   "current one), playlist_mean (the mean of the playlist so far).")
    with right:
        chosen = f"network: {model.name}"
        st.plotly_chart(plots.mae_bars(ui.card_maes(card), mad=mad, highlight=chosen), key="mae_bars")
    st.subheader("Data split (by playlist)")
    st.dataframe(tables["splits"], hide_index=True, key="split_table")
    if len(tables["candidates"]):
        st.subheader("Candidate networks")
        st.dataframe(tables["candidates"], hide_index=True, key="candidates_table")
    st.subheader("Music theory in the loss")
    left, right = st.columns(2)
    with left:
        st.plotly_chart(plots.tempo_similarity_curve(), key="tempo_curve")
        st.caption("smoothness x cos(2π log2(ratio)): same, double or half tempo score 1; the shaded bands "
                   "are the ±6% a DJ can mix.")
    with right:
        st.plotly_chart(plots.key_similarity_heatmap(), key="key_heatmap")
        st.caption("sweetness x key similarity: circle-of-fifths steps (minor keys at their relative "
                   "major); 0 or 1 step scores 1, the tritone -1, a song without a detected key 0.")
    with st.expander("The whole model card (JSON)"):
        st.json({k: v for k, v in card.items() if k != "split_playlists"}, expanded=False)


ui.run_page(body)
