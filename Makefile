# Convenience wrappers; the real tasks live in dev.py (works without make).
.PHONY: demo test crash
demo:
	python3 dev.py demo
test:
	python3 dev.py test
crash:
	python3 dev.py crash
