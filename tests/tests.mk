# test targets
check: unit unit-san
