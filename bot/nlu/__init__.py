"""Custom NLU components of the assistant's pipeline.

Rasa imports this package in every process that loads the model (`rasa run`, `rasa test`,
`rasa shell`), so the speed fix of bot.rasa_patches is applied here.
"""

from bot import rasa_patches

rasa_patches.apply()
