"""The flow network: the feature space, the song arrays it makes, the NumPy stepper, the trained bundle, and
Keras training (the only place TensorFlow is imported)."""
