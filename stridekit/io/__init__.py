"""Readers: one module per format, each returning a :class:`~stridekit.log.TrainingLog`.

``read_*`` functions take a path; ``parse_*`` functions take the file's bytes. All of them
map their format onto the tables of :mod:`stridekit.schema`.
"""
