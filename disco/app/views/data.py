"""Data: what is loaded (source, counts, exclusions), upload another song file, fetch the public data set."""

import pandas as pd
import streamlit as st

from disco import ui


def loaded_section() -> None:
    if ui.current_source().is_default and not ui.has_default_data():
        st.info("No song catalog is loaded yet.")
        return
    disco = ui.load_disco()  # errors show here (user_errors) and the upload/fetch sections still follow
    report = disco.catalog.report
    st.subheader("Loaded catalog")
    st.markdown(f"**Source:** `{report.source}` ({report.schema} layout)"
                + ("" if ui.current_source().is_default else " — uploaded for this session"))
    cols = st.columns(5)
    cols[0].metric("rows read", f"{report.rows_read:,}")
    cols[1].metric("songs kept", f"{report.songs_kept:,}", help="unique tracks")
    cols[2].metric("playlists", f"{report.playlists:,}")
    cols[3].metric("rows excluded", f"{report.rows_excluded:,}")
    cols[4].metric("repeated tracks", f"{report.repeated_track_rows:,}", help="rows repeating an earlier track "
                   "(another playlist): kept once as a song")
    if report.excluded:
        st.markdown("**Excluded rows by reason**")
        reasons = pd.DataFrame({"reason": list(report.excluded), "rows": list(report.excluded.values()),
                                "example rows": [", ".join(map(str, report.examples.get(r, [])))
                                                 for r in report.excluded]})
        st.dataframe(reasons, hide_index=True, key="exclusions")
        examples = ui.exclusion_examples(report)
        if not examples.empty:
            with st.expander("Example excluded rows (as in the file)"):
                st.dataframe(examples, hide_index=True, key="exclusion_examples")
    else:
        st.success("Every row was usable.")
    genres = disco.catalog.songs["genre"].replace("", "(none)").value_counts()
    if len(genres) > 1:
        st.bar_chart(genres, horizontal=True, x_label="genre", y_label="songs")  # labels follow the data axes
    with st.expander("Full load report"):
        st.code(report.summary(), language=None)
    if not ui.current_source().is_default:
        st.button("Go back to the default data set", on_click=ui.use_default, key="use_default")


def spotify_section() -> None:
    # --- Spotify: wired by the Spotify work (disco/spotify.py); skipped while it is absent ---
    try:
        from disco import spotify
    except ImportError:
        return
    render = getattr(spotify, "dashboard_section", None)
    if callable(render):
        st.subheader("Spotify")
        render()


def body() -> None:
    st.title("Data")
    with ui.user_errors():
        loaded_section()
    left, right = st.columns(2)
    with left:
        st.subheader("Upload another song file")
        st.caption("CSV or Parquet with Spotify audio features (TidyTuesday, spotifyr, Exportify, Kaggle "
                   "'Spotify Tracks' layouts...). It becomes this session's catalog.")
        ui.upload_widget(key="data_upload")
    with right:
        st.subheader("Fetch the public data set")
        st.caption("The TidyTuesday Spotify songs (32,833 rows, 471 playlists), checked against its sha256.")
        ui.fetch_widget(key="data_fetch")
    with ui.user_errors():
        spotify_section()


ui.run_page(body)
