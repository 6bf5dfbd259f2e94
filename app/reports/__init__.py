"""随手拍 reports."""
