;; table 0 has no maximum and function 0 grows it
(module (table 1 funcref)
  (func (param i32) (result i32) (table.grow 0 (ref.null func) (local.get 0))))
