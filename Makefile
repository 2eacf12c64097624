# Convenience wrappers; the real tasks live in dev.py (works without make).
.PHONY: demo test soak crash
demo:
	python3 dev.py demo
test:
	python3 dev.py test
soak:
	python3 dev.py soak
crash:
	python3 dev.py crash
