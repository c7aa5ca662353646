;; table 0 starts over the 1M-entry cap
(module (table 5000000 funcref))
