;; table 1 has a maximum over the cap and function 1 grows it
(module (table 1 10 funcref) (table 1 2000000 funcref)
  (func (drop (table.grow 0 (ref.null func) (i32.const 1))))
  (func (drop (table.grow 1 (ref.null func) (i32.const 1)))))
