# Golden values for multi, choice and number items under a design (tests/test_questions_golden.py).
#
#   cd tests/golden && Rscript make_golden_questions.R
#
# Writes questions.csv (the data, one row per respondent, the multi item as one column of
# options joined by ", ") and questions_golden.csv: for each design x statistic x domain,
# what R survey gives. Shares: svyciprop(~I(option chosen), subset(design, answered & domain),
# method); means: svymean + confint(df = degf(subset)); medians: svyquantile(~x, subset, 0.5,
# ci = TRUE) with its defaults; totals: svytotal + confint(df = degf(subset)).
# The designs are repeated in tests/test_questions_golden.py (DESIGNS): keep both in step.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
cat("survey", as.character(packageVersion("survey")), "on", R.version.string, "\n")
fmt <- function(x) trimws(formatC(x, digits = 17, format = "g"))

set.seed(20261202)
leaders_per_org <- c(A = 7, B = 5, C = 9, D = 4)
parts <- list()
for (o in names(leaders_per_org)) for (l in seq_len(leaders_per_org[[o]])) {
  m <- sample(5:16, 1)
  parts[[length(parts) + 1]] <- data.frame(org = rep(o, m), leader = rep(paste0(o, l), m))
}
d <- do.call(rbind, parts)
n <- nrow(d)
d$id <- seq_len(n)
n_org <- as.numeric(table(d$org)[d$org])
d$pop_people <- round(n_org * c(A = 4.5, B = 3, C = 6.2, D = 2)[d$org])
d$pop_leaders <- c(A = 21, B = 9, C = 30, D = 6)[d$org]
d$w <- round(d$pop_people / n_org * runif(n, 0.6, 1.4), 3)
d$band <- sample(c("K-5", "6-8", "9-12"), n, replace = TRUE, prob = c(.5, .3, .2))
d$band[sample(n, 10)] <- NA

# multi: select all that apply; one option holds the separator; "None of these" is exclusive
opts <- c("Planned, led PL", "Facilitated PL", "Coached 1:1", "Shared materials")
p_opt <- c(.55, .45, .3, .7)
chosen <- sapply(seq_along(opts), function(j) runif(n) < p_opt[j] + (d$org == "C") * 0.15)
none <- rowSums(chosen) == 0
d$act_none <- none & runif(n) < 0.6                     # the rest of `none` left it blank
d$activities <- apply(chosen, 1, function(r) paste(opts[r], collapse = ", "))
d$activities[d$act_none] <- "None of these"
answered_multi <- d$activities != ""
d$activities[!answered_multi] <- NA
all_opts <- c(opts, "None of these")
for (j in seq_along(all_opts)) {
  d[[paste0("m", j)]] <- if (j <= length(opts)) chosen[, j] & answered_multi else d$act_none
}

# choice: meeting frequency, a non-substantive answer and blanks
freq <- c("Weekly", "Monthly", "A few times a year", "Never")
d$freq <- sample(c(freq, "Prefer not to say"), n, replace = TRUE, prob = c(.3, .35, .2, .08, .07))
d$freq[runif(n) < 0.06] <- NA
d$freq[d$org == "D"] <- ifelse(d$freq[d$org == "D"] %in% "Never", "Monthly", d$freq[d$org == "D"])

# number: teachers supported, skewed, some blanks, ties
d$supported <- round(rgamma(n, shape = 2, scale = 6 + 4 * (d$org == "A")))
d$supported[runif(n) < 0.08] <- NA

rownames(d) <- NULL
write.csv(d[, c("id", "org", "leader", "band", "w", "pop_people", "pop_leaders",
                "activities", "freq", "supported")],
          "questions.csv", row.names = FALSE, na = "")

designs <- list(
  weights_only = svydesign(ids = ~1, weights = ~w, data = d),
  strat_fpc = svydesign(ids = ~1, strata = ~org, fpc = ~pop_people, data = d),
  clus1 = svydesign(ids = ~leader, weights = ~w, data = d),
  strat_clus = svydesign(ids = ~leader, strata = ~org, weights = ~w, fpc = ~pop_leaders, data = d)
)
domains <- list(overall = rep(TRUE, n), `K-5` = d$band %in% "K-5", `6-8` = d$band %in% "6-8",
                `9-12` = d$band %in% "9-12")
rows <- list()
add <- function(...) rows[[length(rows) + 1]] <<- data.frame(...)
methods <- c(logit = "logit", beta = "beta", mean = "wald")
for (dn in names(designs)) {
  des <- designs[[dn]]
  for (dom in names(domains)) {
    inside <- domains[[dom]]
    # multi
    sub <- subset(des, inside & answered_multi)
    for (j in seq_along(all_opts)) {
      des_j <- update(sub, y = get(paste0("m", j)))
      for (m in names(methods)) {
        r <- svyciprop(~y, des_j, method = m)
        ci <- attr(r, "ci")
        add(design = dn, item = "activities", option = all_opts[j], domain = dom,
            stat = "share", method = methods[[m]], value = fmt(coef(r)),
            ci_low = fmt(ci[1]), ci_high = fmt(ci[2]), n = sum(inside & answered_multi))
      }
    }
    # choice (substantive answers only)
    valid <- d$freq %in% freq
    sub <- subset(des, inside & valid)
    for (o in freq) {
      des_o <- update(sub, y = freq == o)
      for (m in names(methods)) {
        r <- svyciprop(~y, des_o, method = m)
        ci <- attr(r, "ci")
        add(design = dn, item = "freq", option = o, domain = dom, stat = "share",
            method = methods[[m]], value = fmt(coef(r)), ci_low = fmt(ci[1]),
            ci_high = fmt(ci[2]), n = sum(inside & valid))
      }
    }
    # number
    sub <- subset(des, inside & !is.na(supported))
    df <- degf(sub)
    mn <- svymean(~supported, sub)
    ci <- confint(mn, df = df)
    add(design = dn, item = "supported", option = "", domain = dom, stat = "mean",
        method = "", value = fmt(coef(mn)), ci_low = fmt(ci[1]), ci_high = fmt(ci[2]),
        n = sum(inside & !is.na(d$supported)))
    q <- svyquantile(~supported, sub, 0.5, ci = TRUE)
    qq <- q$supported
    add(design = dn, item = "supported", option = "", domain = dom, stat = "median",
        method = "", value = fmt(qq[1, 1]), ci_low = fmt(qq[1, 2]), ci_high = fmt(qq[1, 3]),
        n = sum(inside & !is.na(d$supported)))
    tt <- svytotal(~supported, sub)
    ci <- confint(tt, df = df)
    add(design = dn, item = "supported", option = "", domain = dom, stat = "total",
        method = "", value = fmt(coef(tt)), ci_low = fmt(ci[1]), ci_high = fmt(ci[2]),
        n = sum(inside & !is.na(d$supported)))
  }
}
out <- do.call(rbind, rows)
write.csv(out, "questions_golden.csv", row.names = FALSE)
cat("wrote", nrow(out), "rows\n")
