"""The chapter's code: batch_norm, BatchNorm, LeNet and the conventions between them."""
