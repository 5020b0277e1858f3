"""The sidebar's panels: the engine's settings (every page that builds or reorders) and the Build page's plan."""
