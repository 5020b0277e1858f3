"""Data: what is loaded (source, counts, exclusions), upload another song file, fetch the public data set,
import from Spotify."""

import pandas as pd
import streamlit as st

from disco.app.errors import user_errors
from disco.app.reports import catalog_report
from disco.app.session import sources, uploads
from disco.app.spotify import spotify_panel
from disco.app.text import md_escape


def loaded_section() -> None:
    src = sources.current_source()
    if src.is_default and not sources.has_default_data():
        st.info("No song catalog is loaded yet.")
        return
    catalog = sources.load_disco(src).catalog
    report = catalog.report
    st.subheader("Loaded catalog")
    # a file name is the user's text: shown literally; where the server keeps its data is not shown
    where = sources.data_file_name() if src.is_default else f"{src.name}, uploaded for this session"
    st.markdown(f"**Source:** {md_escape(where)} ({md_escape(report.schema)} layout)")
    cols = st.columns(5)
    cols[0].metric("rows read", f"{report.rows_read:,}")
    cols[1].metric("songs kept", f"{report.songs_kept:,}", help="unique tracks")
    cols[2].metric("playlists", f"{report.playlists:,}")
    cols[3].metric("rows excluded", f"{report.rows_excluded:,}")
    cols[4].metric("repeated tracks", f"{report.repeated_track_rows:,}",
                   help="rows repeating an earlier track (another playlist): kept once as a song")
    if report.excluded:
        st.markdown("**Excluded rows by reason**")
        reasons = pd.DataFrame({"reason": list(report.excluded), "rows": list(report.excluded.values()),
                                "example rows": [", ".join(map(str, report.examples.get(r, [])))
                                                 for r in report.excluded]})
        st.dataframe(reasons, hide_index=True, key="exclusions")
        examples = catalog_report.exclusion_examples(report)
        if not examples.empty:
            with st.expander("Example excluded rows (as in the file)"):
                st.dataframe(examples, hide_index=True, key="exclusion_examples")
    else:
        st.success("Every row was usable.")
    genres = catalog.songs["genre"].replace("", "(none)").value_counts()
    if len(genres) > 1:
        st.bar_chart(genres, horizontal=True, x_label="genre", y_label="songs")  # labels follow the data axes
    with st.expander("Full load report"):
        st.code(report.summary(), language=None)
    if not src.is_default:
        st.button("Go back to the default data set", on_click=sources.use_default, key="use_default")


def render() -> None:
    st.title("Data")
    with user_errors():  # a catalog that cannot load is reported here; upload and fetch still follow
        loaded_section()
    left, right = st.columns(2)
    with left:
        st.subheader("Upload another song file")
        st.caption("CSV or Parquet with Spotify audio features (TidyTuesday, spotifyr, Exportify, Kaggle "
                   f"'Spotify Tracks' layouts...). It becomes this session's catalog. {uploads.size_help()}")
        sources.upload_widget(key="data_upload")
    with right:
        st.subheader("Fetch the public data set")
        st.caption("The TidyTuesday Spotify songs (32,833 rows, 471 playlists), checked against its sha256.")
        sources.fetch_widget(key="data_fetch")
    st.subheader("Spotify")
    with user_errors():
        spotify_panel.render()


if __name__ == "__main__":  # run as a page by app.py
    render()
