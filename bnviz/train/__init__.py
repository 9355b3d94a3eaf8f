"""Training: the run's config, the stepper and its CUDA-graph replay."""
