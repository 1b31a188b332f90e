"""Reminder notifications: delivery, the remind loop and its service install."""
