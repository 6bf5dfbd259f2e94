"""Long work on the job queue (Celery; in-process without Redis), with progress."""
