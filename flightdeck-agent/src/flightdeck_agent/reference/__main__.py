"""``python -m flightdeck_agent.reference``: run the reference agent in this pod."""

from . import main

main()
