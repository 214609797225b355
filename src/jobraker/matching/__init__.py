"""Matching jobs to a candidate: hard filters first, then a hybrid score with its reasons."""
