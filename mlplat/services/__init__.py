"""The platform services, one module each, and their registry (``registry.SERVICES``).

How to add one: README, *Adding a service*; the interface: ``service.py``.
"""
