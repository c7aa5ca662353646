;; a table without maximum that is never grown (as Go writes them): loads
(module (table 5361 funcref) (func (export "f") (result i32) (table.size 0)))
