;; two tables, each under the cap, together over it
(module (table 600000 funcref) (table 600000 externref))
