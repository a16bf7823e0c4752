package store

import "gorm.io/gorm"

// gormExpr wraps a constant SQL fragment; it never carries user text.
func gormExpr(sql string) any { return gorm.Expr(sql) }
