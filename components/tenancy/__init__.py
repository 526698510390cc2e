"""Tenancy: the objects that fence a team in, and the cluster-wide queueing they use."""
