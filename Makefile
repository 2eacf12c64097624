# Convenience wrappers; the real tasks live in dev.py (works without make).
.PHONY: demo test
demo:
	python3 dev.py demo
test:
	python3 dev.py test
