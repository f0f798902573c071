"""e-SAKIP's pure rules: attainment and roll-ups (:mod:`.attainment`, :mod:`.tree`), the cascade's
shape (:mod:`.cascade`), quarters and their windows (:mod:`.quarters`) and the LKE (:mod:`.lke`).
No I/O, no AWS, no HTTP."""
