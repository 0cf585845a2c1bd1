"""Dialogs and docks of the main window."""
