"""Notifications (通知): an outbox of e-mail, SMS and in-app messages, templates in zh-Hans and English."""
