"""A playlist's figures and the panel that draws them in the browser (its page and plotly.js lie beside it)."""
