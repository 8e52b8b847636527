"""The system of record for people: info-session bookings, the waiting list and the outbox.

Knows nothing of Rasa: the bot's actions and the staff CLI use it the same way, and it is tested
without a model. See README.md ("Registrations") for the flow and the configuration.
"""
