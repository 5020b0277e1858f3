"""Music theory as small pure NumPy functions: keys and their notations, tempo and its tolerance, energy arcs."""
