# Golden values for paired (panel) differences under a design, and for effect sizes.
# Run from tests/golden:  Rscript make_golden_panel.R   (R survey 4.x, effectsize; Debian
# r-cran-survey, r-cran-effectsize). Writes panel_golden.csv and effect_size_golden.csv.
library(survey)
options(survey.lonely.psu = "fail")
d <- read.csv("panel.csv", colClasses = "character")
d$w <- as.numeric(d$w)
items <- c("q1", "q2", "q3")
answered <- rowSums(d[, items] != "") > 0          # tpn leaves out rows that answer nothing
d <- d[answered, ]
pos <- function(x) ifelse(x %in% c("3", "4"), 1, ifelse(x %in% c("1", "2"), 0, NA))
pts <- function(x) ifelse(x %in% c("1", "2", "3", "4"), as.numeric(x), NA)
w1 <- d[d$wave == "W1" & d$tid != "", c("tid", items)]
names(w1) <- c("tid", paste0(items, "_b"))
w2 <- d[d$wave == "W2", ]
m <- merge(w2, w1, by = "tid", all.x = TRUE, sort = FALSE)
m$tid[m$tid == ""] <- NA
out <- list()
add <- function(design_name, item, est, se, ci, p, df, n, rate_from, rate_to) {
  out[[length(out) + 1]] <<- data.frame(
    design = design_name, item = item, difference = est, se = se, ci_low = ci[1],
    ci_high = ci[2], p_value = p, df = df, n_pairs = n, rate_from = rate_from,
    rate_to = rate_to)
}
for (design_name in c("clustered", "weights")) {
  for (it in items) {
    m[[paste0("d_", it)]] <- pos(m[[it]]) - pos(m[[paste0(it, "_b")]])
    m[[paste0("a_", it)]] <- pos(m[[it]])
    m[[paste0("b_", it)]] <- pos(m[[paste0(it, "_b")]])
  }
  sb <- sapply(items, function(it) pts(m[[paste0(it, "_b")]]))
  sa <- sapply(items, function(it) pts(m[[it]]))
  cb <- ifelse(rowSums(!is.na(sb)) >= 2, rowMeans(sb, na.rm = TRUE), NA)
  ca <- ifelse(rowSums(!is.na(sa)) >= 2, rowMeans(sa, na.rm = TRUE), NA)
  m$d_all <- ca - cb
  m$a_all <- ca
  m$b_all <- cb
  des <- if (design_name == "clustered") {
    svydesign(ids = ~leader, strata = ~org, weights = ~w, data = m)
  } else {
    svydesign(ids = ~1, weights = ~w, data = m)
  }
  for (it in c(items, "all")) {
    f <- as.formula(paste0("~d_", it))
    sub <- subset(des, !is.na(m[[paste0("d_", it)]]))
    est <- svymean(f, sub)
    df <- degf(sub)
    se <- as.numeric(SE(est))
    ci <- confint(est, df = df)
    p <- 2 * pt(-abs(coef(est) / se), df)
    rf <- coef(svymean(as.formula(paste0("~b_", it)), sub))
    rt <- coef(svymean(as.formula(paste0("~a_", it)), sub))
    add(design_name, if (it == "all") "composite" else it, coef(est), se, ci, p, df,
        nrow(sub), rf, rt)
  }
}
write.csv(do.call(rbind, out), "panel_golden.csv", row.names = FALSE)

library(effectsize)
h_cases <- data.frame(x1 = c(30, 466, 5, 12), n1 = c(50, 512, 9, 40),
                      x2 = c(20, 400, 1, 30), n2 = c(50, 480, 40, 41))
rows <- list()
for (i in seq_len(nrow(h_cases))) {
  r <- h_cases[i, ]
  tab <- matrix(c(r$x1, r$n1 - r$x1, r$x2, r$n2 - r$x2), nrow = 2)  # columns = groups
  h <- cohens_h(tab, ci = 0.95)
  rows[[length(rows) + 1]] <- data.frame(measure = "cohens_h", case = i, value = h$Cohens_h,
                                         ci_low = h$CI_low, ci_high = h$CI_high)
}
set.seed(5)
for (i in 1:3) {
  x <- round(rnorm(15 + 5 * i, 3.2, 0.5), 2)
  y <- round(rnorm(20 + 3 * i, 3.0, 0.6), 2)
  g <- hedges_g(x, y, ci = 0.95)
  rows[[length(rows) + 1]] <- data.frame(measure = "hedges_g", case = i, value = g$Hedges_g,
                                         ci_low = g$CI_low, ci_high = g$CI_high)
  write.csv(data.frame(x = c(x, rep(NA, max(0, length(y) - length(x)))),
                       y = c(y, rep(NA, max(0, length(x) - length(y))))),
            paste0("hedges_case", i, ".csv"), row.names = FALSE)
}
write.csv(do.call(rbind, rows), "effect_size_golden.csv", row.names = FALSE)
