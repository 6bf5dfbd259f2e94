"""The office home (``/office/``): an office's compounds with what is left to do, its
pending passes and new reports, and the buttons to print plates and posters."""
