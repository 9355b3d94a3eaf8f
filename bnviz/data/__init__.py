"""Fashion-MNIST: finding and reading the files, seeded batches."""
