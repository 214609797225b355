"""The business, in pure Python: aggregates, their events and the application service.

Nothing here imports Django, HTTP or Dramatiq; infrastructure depends on this
package, never the reverse.
"""
