"""WSGI entry point (gunicorn config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their models and URL map) lives as long as the worker. Moved out of
# the collector's reach, the full collections that requests trigger now and then scan only what requests made,
# instead of pausing a request for the whole heap (a tail-latency spike on a small server).
gc.freeze()
